/**
 * Redis names used to cancel runs of one queue from any process:
 * - the pub/sub channel a cancel request is published on: `moderator:cancel:<queueName>`;
 * - a hash on the same name plus `:requested` (field = job id, value = the request as JSON) that keeps
 *   each request for a while, so a worker that missed the message (its subscriber was reconnecting, or the
 *   job was re-picked after its worker died) still cancels the job when it holds it.
 */
export function cancelChannel(queueName: string): string {
  if (queueName.length === 0) throw new Error("cancelChannel: the queue name must not be empty");
  return `moderator:cancel:${queueName}`;
}

/** The hash of recent cancel requests that goes with `channel`. */
export function cancelRequestsKey(channel: string): string {
  return `${channel}:requested`;
}
