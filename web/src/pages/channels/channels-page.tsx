import { NotBuiltYet } from '../../components/not-built-yet.js';

export function Page() {
  return (
    <NotBuiltYet
      title="Channels & inbound addresses"
      planned={['Messaging channels and inbound addresses: list, add, remove', 'Secrets are sealed and never shown back']}
    />
  );
}
