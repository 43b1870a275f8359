// A fetch with an HTTP cache in front (undici's RFC 9111 cache interceptor), as a
// browser has: it stores GET answers, revalidates them with If-None-Match when they
// say `no-cache`, and serves the stored body on a 304. The clients under test get it
// as their `fetch`, so ETags are exercised by a real cache, not by the test.
import { Agent, interceptors, fetch } from 'undici';

export function cachingFetch() {
  const dispatcher = new Agent().compose(interceptors.cache({ type: 'private' }));
  const requests = [];
  const cached = async (url, init = {}) => {
    const response = await fetch(url, { ...init, dispatcher });
    requests.push({ method: init.method ?? 'GET', url: String(url), status: response.status });
    return response;
  };
  return { fetch: cached, requests, close: () => dispatcher.close() };
}
