// Fault injection for the end-to-end tests, in a bundle built with
// __EDGEKUBE_TEST__ true only: restart a store shard or the controllers
// Durable Object mid-flight (ctx.abort(), as an eviction or a crash would),
// and a planted store bug that the linearizability checker must catch.

/** Whether this bundle was built for the tests (the constant is false in any deployed one). */
export const TEST_BUILD = typeof __EDGEKUBE_TEST__ !== 'undefined' && __EDGEKUBE_TEST__ === true;

/** Store bugs a test can plant through the EDGEKUBE_TEST_PLANTED_BUG variable. */
export type PlantedBug = 'ack-before-store';

export function plantedBug(env: { EDGEKUBE_TEST_PLANTED_BUG?: string }): PlantedBug | undefined {
  return TEST_BUILD && env.EDGEKUBE_TEST_PLANTED_BUG === 'ack-before-store' ? 'ack-before-store' : undefined;
}

/** Ends a Durable Object as a crash would; refused in a bundle not built for the tests. */
export function abortForTest(ctx: DurableObjectState, why: string): void {
  if (!TEST_BUILD) throw new Error('fault injection is not part of this build');
  ctx.abort(why);
}
