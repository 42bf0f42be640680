import { NotBuiltYet } from '../../components/not-built-yet.js';

export function Page() {
  return (
    <NotBuiltYet
      title="Emails"
      planned={[
        'The activity log, searchable by recipient, subject, tag, status and date range',
        'Each email with its per-recipient timeline, headers, tags, metadata and its workflow in the Temporal UI',
        'Replaying a failed send',
      ]}
    />
  );
}
