import { ReactNode } from 'react';
import {
  CopyTextButton,
  InfoCard,
  Progress,
  StatusError,
  StatusOK,
  StatusWarning,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { WebhookStatus } from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import RefreshIcon from '@material-ui/icons/Refresh';
import Alert from '@material-ui/lab/Alert';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { errorMessage, novahostApiRef } from '../api';
import { formatAge } from './format';

/** A label and its value; the value wraps (long URLs and keys) in a narrow card. */
function Row(props: { label: string; children: ReactNode }) {
  return (
    <Box
      display="grid"
      gridTemplateColumns="110px minmax(0, 1fr)"
      alignItems="center"
      py={0.5}
      style={{ gap: 8 }}
    >
      <Typography variant="body2" color="textSecondary">
        {props.label}
      </Typography>
      <Typography
        variant="body2"
        component="div"
        style={{ overflowWrap: 'anywhere' }}
      >
        {props.children}
      </Typography>
    </Box>
  );
}

/** Whether deliveries arrive: the newest one, or that none has. */
function DeliveryCheck(props: {
  delivery: WebhookStatus['lastDelivery'];
  loading: boolean;
  onRefresh(): void;
}) {
  const d = props.delivery;
  // Arrived, but Novahost could not do what it asked (the backend's prefix).
  const Status = d?.outcome?.startsWith('failed:') ? StatusError : StatusOK;
  return (
    <Box
      display="flex"
      alignItems="center"
      mt={1}
      style={{ gap: 8 }}
      data-testid="webhook-last-delivery"
    >
      <Typography variant="body2" component="div" style={{ flexGrow: 1 }}>
        {d ? (
          <Status>
            <span style={{ overflowWrap: 'anywhere' }}>
              Last delivery {formatAge(d.receivedAt)} (
              {new Date(d.receivedAt).toLocaleString()}): <code>{d.event}</code>
              {' → '}
              {d.outcome ?? 'received, being handled'}
            </span>
          </Status>
        ) : (
          <StatusWarning>
            <span>No delivery has arrived yet.</span>
          </StatusWarning>
        )}
      </Typography>
      <Button
        size="small"
        startIcon={<RefreshIcon />}
        disabled={props.loading}
        onClick={props.onRefresh}
      >
        Refresh
      </Button>
    </Box>
  );
}

/**
 * How to point the repository's webhook at Novahost (payload URL, content
 * type, events, where the secret is configured) and a check that says
 * whether deliveries arrive. Never shows the secret: only its config key
 * and whether it is set.
 */
export function WebhookCard(props: { projectId: string }) {
  const api = useApi(novahostApiRef);
  const status = useAsyncRetry(
    () => api.getWebhookStatus(props.projectId),
    [api, props.projectId],
  );
  const w = status.value;

  let body: ReactNode;
  if (status.error) {
    body = (
      <Alert
        severity="error"
        action={
          <Button size="small" onClick={status.retry}>
            Retry
          </Button>
        }
      >
        Could not load the webhook status: {errorMessage(status.error)}
      </Alert>
    );
  } else if (!w) {
    body = <Progress />;
  } else {
    body = (
      <>
        <Typography variant="body2" paragraph>
          Add a webhook to the repository (or its GitHub App) so pushes and pull
          requests deploy: the production branch to production, other branches
          and pull requests as previews.
        </Typography>
        <Row label="Payload URL">
          <Box display="flex" alignItems="center" style={{ gap: 4 }}>
            <code data-testid="webhook-url" style={{ minWidth: 0 }}>
              {w.url}
            </code>
            <CopyTextButton text={w.url} aria-label="Copy the webhook URL" />
          </Box>
        </Row>
        <Row label="Content type">
          <code>{w.contentType}</code>
        </Row>
        <Row label="Events">
          <span data-testid="webhook-events">
            {w.events.map((e, i) => (
              <span key={e}>
                {i > 0 && ', '}
                <code>{e}</code>
              </span>
            ))}
          </span>
        </Row>
        <Row label="Secret">
          <span data-testid="webhook-secret">
            {w.secretConfigured ? (
              <StatusOK>
                <span>
                  Configured in <code>{w.secretConfigKey}</code>
                </span>
              </StatusOK>
            ) : (
              <StatusWarning>
                <span>
                  Not configured: set <code>{w.secretConfigKey}</code> in the
                  app config; deliveries are refused until it is set
                </span>
              </StatusWarning>
            )}
          </span>
        </Row>
        <Row label="Repository">
          {w.repoKey ? (
            <code>{w.repoKey}</code>
          ) : (
            'A local repository: no webhook can reach it; deploy from here'
          )}
        </Row>
        <DeliveryCheck
          delivery={w.lastDelivery}
          loading={status.loading}
          onRefresh={status.retry}
        />
      </>
    );
  }
  return <InfoCard title="Git webhook">{body}</InfoCard>;
}
