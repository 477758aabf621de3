/**
 * An unconditional write retries on conflict until it lands, as
 * GuaranteedUpdate does; a short random pause after the first few attempts
 * keeps racing writers from colliding again and again.
 */
export async function conflictPause(attempt: number) {
  if (attempt > 4) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
}
