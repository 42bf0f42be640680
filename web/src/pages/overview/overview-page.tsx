import { NotBuiltYet } from '../../components/not-built-yet.js';

export function Page() {
  return (
    <NotBuiltYet
      title="Overview"
      planned={[
        'Sends, delivery, bounce and complaint rates for today and the last 7 days',
        'Sends per hour over the last 24 hours',
        'What needs action: failed sends, failing webhooks, archived inbound mail',
      ]}
    />
  );
}
