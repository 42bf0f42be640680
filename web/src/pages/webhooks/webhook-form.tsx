import { Button, Checkbox, Group, Modal, PasswordInput, Radio, SimpleGrid, Stack, Switch, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { WEBHOOK_EVENT_TYPES } from '../../../../src/db/tables/webhooks.js';
import { ApiErrorAlert } from '../../components/api-error.js';
import { queryClient, trpc, type Outputs } from '../../trpc.js';

export type Webhook = Outputs['webhooks']['list'][number];

type SecretChoice = 'generate' | 'own' | 'none' | 'keep' | 'remove';

/** 32 random bytes, base64url: well past the API's 16-character minimum. */
function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * Adds a webhook (editing = undefined) or edits one. A secret Relay generated is handed to
 * onSecret once saved: the API never returns it again.
 */
export function WebhookForm({
  editing,
  opened,
  onClose,
  onSecret,
}: {
  editing: Webhook | undefined;
  opened: boolean;
  onClose: () => void;
  onSecret: (secret: string) => void;
}) {
  const [url, setUrl] = useState(editing?.url ?? '');
  const [events, setEvents] = useState<string[]>(editing?.events ?? []);
  const [secretChoice, setSecretChoice] = useState<SecretChoice>(editing ? (editing.hasSecret ? 'keep' : 'none') : 'generate');
  const [ownSecret, setOwnSecret] = useState('');
  const [enabled, setEnabled] = useState(editing?.enabled ?? true);

  const done = (secret: string | undefined) => {
    void queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.queryKey() });
    onClose();
    if (secret) onSecret(secret);
  };
  const create = useMutation(trpc.webhooks.create.mutationOptions());
  const update = useMutation(trpc.webhooks.update.mutationOptions());
  const saving = editing ? update : create;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const generated = secretChoice === 'generate' ? generateSecret() : undefined;
    const secret = generated ?? (secretChoice === 'own' ? ownSecret : undefined);
    const chosenEvents = events as (typeof WEBHOOK_EVENT_TYPES)[number][];
    if (editing) {
      update.mutate(
        { id: editing.id, url, events: chosenEvents, enabled, secret: secretChoice === 'remove' ? null : secret },
        { onSuccess: () => done(generated) },
      );
    } else {
      create.mutate({ url, events: chosenEvents, enabled, secret }, { onSuccess: () => done(generated) });
    }
  };

  const allChosen = events.length === WEBHOOK_EVENT_TYPES.length;
  return (
    <Modal opened={opened} onClose={onClose} title={editing ? 'Edit webhook' : 'Add a webhook'} size="lg">
      <form onSubmit={submit}>
        <Stack gap="md">
          <TextInput
            label="Endpoint URL"
            description="Relay POSTs each event here as JSON, signed with x-relay-signature when it has a secret."
            placeholder="https://your-server.com/webhook"
            required
            value={url}
            onChange={(event) => setUrl(event.currentTarget.value)}
            data-autofocus
          />
          <Checkbox.Group label="Events" description="Choose at least one." value={events} onChange={setEvents} required>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" mt="xs">
              {WEBHOOK_EVENT_TYPES.map((type) => (
                <Checkbox key={type} value={type} label={type} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <Group>
            <Button variant="subtle" size="xs" onClick={() => setEvents(allChosen ? [] : [...WEBHOOK_EVENT_TYPES])}>
              {allChosen ? 'Clear all events' : 'Choose all events'}
            </Button>
          </Group>
          <Radio.Group label="Signing secret" value={secretChoice} onChange={(value) => setSecretChoice(value as SecretChoice)}>
            <Stack gap="xs" mt="xs">
              {editing?.hasSecret && <Radio value="keep" label="Keep the current secret" />}
              <Radio value="generate" label={editing?.hasSecret ? 'Generate a new secret (shown once)' : 'Generate a secret (shown once)'} />
              <Radio value="own" label="Use my own secret" />
              {editing?.hasSecret ? (
                <Radio value="remove" label="Remove the secret (unsigned deliveries)" />
              ) : (
                <Radio value="none" label="No secret (unsigned deliveries)" />
              )}
            </Stack>
          </Radio.Group>
          {secretChoice === 'own' && (
            <PasswordInput
              label="Your secret"
              description="At least 16 characters."
              required
              minLength={16}
              value={ownSecret}
              onChange={(event) => setOwnSecret(event.currentTarget.value)}
            />
          )}
          <Switch label="Enabled: deliver events to this endpoint" checked={enabled} onChange={(event) => setEnabled(event.currentTarget.checked)} />
          {saving.isError && <ApiErrorAlert error={saving.error} title="Not saved" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={saving.isPending}>
              {editing ? 'Save changes' : 'Add webhook'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
