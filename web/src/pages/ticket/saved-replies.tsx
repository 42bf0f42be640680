import { Button, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState, type FormEvent } from 'react';
import { ApiErrorAlert } from '../../components/api-error.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';

type SavedReply = Outputs['helpdesk']['savedReplies'][number];

/** The organization's saved replies: added, changed and deleted by Members. */
export function SavedRepliesManager({ onClose }: { onClose: () => void }) {
  const list = useQuery(trpc.helpdesk.savedReplies.queryOptions());
  const [editing, setEditing] = useState<SavedReply | undefined>();
  const [name, setName] = useState('');
  const [body, setBody] = useState('');
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.helpdesk.savedReplies.queryKey() });
    setEditing(undefined);
    setName('');
    setBody('');
  };
  const add = useMutation(trpc.helpdesk.addSavedReply.mutationOptions({ onSuccess: refresh }));
  const change = useMutation(trpc.helpdesk.changeSavedReply.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.helpdesk.deleteSavedReply.mutationOptions({ onSuccess: refresh }));
  const saving = editing ? change : add;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (editing) change.mutate({ id: editing.id, change: { name, body } });
    else add.mutate({ name, body });
  };

  return (
    <Modal opened onClose={onClose} title="Saved replies" size="lg">
      <Stack gap="md">
        {list.isError ? (
          <ApiErrorAlert error={list.error} title="Saved replies did not load" onRetry={() => void list.refetch()} />
        ) : (
          <DataTable<SavedReply>
            aria-label="Saved replies"
            withTableBorder
            minHeight={list.data?.length ? undefined : 120}
            fetching={list.isPending}
            records={list.data ?? []}
            noRecordsText="No saved replies yet."
            columns={[
              { accessor: 'name', title: 'Name' },
              {
                accessor: 'body',
                title: 'Text',
                render: (saved) => (
                  <Text size="sm" lineClamp={2}>
                    {saved.body}
                  </Text>
                ),
              },
              {
                accessor: 'actions',
                title: 'Actions',
                render: (saved) => (
                  <Group gap="xs" wrap="nowrap">
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      onClick={() => {
                        setEditing(saved);
                        setName(saved.name);
                        setBody(saved.body);
                      }}
                    >
                      Edit
                    </Button>
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      color="red"
                      loading={remove.isPending && remove.variables?.id === saved.id}
                      onClick={() => remove.mutate({ id: saved.id })}
                    >
                      Delete
                    </Button>
                  </Group>
                ),
              },
            ]}
          />
        )}
        {remove.isError && <ApiErrorAlert error={remove.error} title="Not deleted" />}
        <form onSubmit={submit}>
          <Stack gap="sm">
            <TextInput
              label={editing ? `Name (editing “${editing.name}”)` : 'Name of a new saved reply'}
              required
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
            />
            <Textarea label="Text" required autosize minRows={3} value={body} onChange={(event) => setBody(event.currentTarget.value)} />
            {saving.isError && <ApiErrorAlert error={saving.error} title="Not saved" />}
            <Group justify="flex-end">
              {editing && (
                <Button variant="default" onClick={refresh}>
                  Cancel editing
                </Button>
              )}
              <Button type="submit" loading={saving.isPending}>
                {editing ? 'Save changes' : 'Add saved reply'}
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Modal>
  );
}
