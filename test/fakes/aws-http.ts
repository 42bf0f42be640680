import { createHttpClient, type HttpClient, type HttpRequest } from '../../src/integrations/http.js';

/**
 * The real HTTP client for loopback, and a recorder for AWS hosts: tests never reach
 * AWS, yet see every SNS SubscribeURL Relay visits.
 */
export function awsRecordingHttp(): HttpClient & { awsRequests: HttpRequest[] } {
  const real = createHttpClient();
  const awsRequests: HttpRequest[] = [];
  return {
    awsRequests,
    async request(request) {
      if (new URL(request.url).hostname.endsWith('.amazonaws.com')) {
        awsRequests.push(request);
        return { status: 200, headers: new Headers(), body: '<ConfirmSubscriptionResponse/>', durationMs: 0 };
      }
      return real.request(request);
    },
  };
}
