import { condition, proxyActivities, setHandler, type ActivityOptions } from '@temporalio/workflow';
import { databaseSteps } from '../temporal/database-steps.js';
import type { ChannelActivities } from './activities.js';
import type { ChannelMessageInput, DialpadCallInput } from '../temporal/inputs.js';
import { dialpadCallEventSignal } from '../temporal/signals.js';
import { fanOutWebhookEvents } from '../webhooks/workflows.js';

const channelStepOptions = {
  // Database work only.
  startToCloseTimeout: '30 seconds',
  // Nothing received is lost: retried through database trouble for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
} satisfies ActivityOptions;
const { finishDialpadCall } = proxyActivities<ChannelActivities>(channelStepOptions);
// A message's threading is a local activity, and so is starting its webhook fan-outs: the
// run is one workflow task. Runs started before keep the activity task their history holds.
const channelMessageStepsOf = databaseSteps<ChannelActivities>(channelStepOptions);

/** One SMS, WhatsApp, Messenger or Slack message into the helpdesk, and its webhook events out. */
export async function channelMessageWorkflow(input: ChannelMessageInput): Promise<{ ticketId: string | null }> {
  const { steps, startedAfterPatch } = channelMessageStepsOf(input);
  const { eventIds, ticketId, orgId } = await steps.threadChannelMessage({ messageId: input.messageId });
  await fanOutWebhookEvents(eventIds, { orgId, startedAfterPatch });
  return { ticketId };
}

const ENDED = new Set(['hangup', 'missed']);

/**
 * One Dialpad call, fed its state events as signals in whatever order they come. A
 * voicemail waits for both the recording and the transcription (or the timeout, then
 * goes on with what it has) and makes exactly one ticket. A call that ends without one
 * waits a little for a late voicemail event, then is recorded and done.
 */
export async function dialpadCallWorkflow(input: DialpadCallInput): Promise<{ ticketId: string | null; states: string[] }> {
  const states: string[] = [];
  let caller: string | null = null;
  let callerName: string | null = null;
  let voicemailUrl: string | null = null;
  let transcription: string | null = null;
  setHandler(dialpadCallEventSignal, (event) => {
    // Each state once: the API hands on every delivery (a provider's retry too), the sweep
    // hands on the stored events of a call whose workflow never ran.
    if (states.includes(event.state)) return;
    states.push(event.state);
    caller ??= event.caller;
    callerName ??= event.callerName;
    voicemailUrl ??= event.voicemailUrl;
    transcription ??= event.transcription;
  });
  const voicemail = () => states.some((state) => state.startsWith('voicemail') || state === 'transcription');

  await condition(() => voicemail() || states.some((state) => ENDED.has(state)), input.maxCallMs);
  if (!voicemail()) await condition(voicemail, input.afterHangupWaitMs);
  if (voicemail()) await condition(() => voicemailUrl !== null && transcription !== null, input.voicemailWaitMs);

  const { eventIds, ticketId } = await finishDialpadCall({
    orgId: input.orgId,
    channelId: input.channelId,
    callId: input.callId,
    states,
    caller,
    callerName,
    voicemailUrl,
    transcription,
    voicemail: voicemail(),
  });
  await fanOutWebhookEvents(eventIds);
  return { ticketId, states };
}
