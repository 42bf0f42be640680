import { defineSignal } from '@temporalio/workflow';

/** One Dialpad call-state event, as the API signals it to the call's workflow. */
export interface DialpadCallEvent {
  state: string;
  caller: string | null;
  callerName: string | null;
  voicemailUrl: string | null;
  transcription: string | null;
}

// Defined apart from the workflows so the API can import them without workflow code.
export const dialpadCallEventSignal = defineSignal<[DialpadCallEvent]>('dialpadCallEvent');

/** "Check now": the domain's verification looks at SES at once instead of at its next scheduled check. */
export const checkDomainNowSignal = defineSignal('checkDomainNow');

/** "Check now" for a support address claim: its DNS record is looked for at once. */
export const checkSupportAddressNowSignal = defineSignal('checkSupportAddressNow');
