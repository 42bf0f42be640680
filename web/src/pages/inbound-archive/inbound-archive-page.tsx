import { NotBuiltYet } from '../../components/not-built-yet.js';

export function Page() {
  return <NotBuiltYet title="Inbound archive" planned={['Archived inbound messages by reason', 'The parsed message, and replaying it']} />;
}
