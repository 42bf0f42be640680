import { NotBuiltYet } from '../../components/not-built-yet.js';

export function Page() {
  return <NotBuiltYet title="Suppressions" planned={['Search, add and lift suppressed addresses', 'The reason and the email that caused each one']} />;
}
