import { NotBuiltYet } from '../../components/not-built-yet.js';

export function Page() {
  return <NotBuiltYet title="Partners" planned={['The RelayIt apps you connected and their last delivery', 'Disconnecting an app']} />;
}
