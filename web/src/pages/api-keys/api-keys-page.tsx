import { NotBuiltYet } from '../../components/not-built-yet.js';

export function Page() {
  return (
    <NotBuiltYet title="API keys" planned={['Keys with prefix, scopes, creator, creation and last use', 'Create (the secret shown once), revoke and rotate']} />
  );
}
