/**
 * Build-time constant: true only in the bundle `wrangler dev --define __EDGEKUBE_TEST__:true`
 * builds for the end-to-end tests (their fault routes and planted bugs); false everywhere else.
 */
declare const __EDGEKUBE_TEST__: boolean;
