// The renderer's Content-Security-Policy, in one place: main sends it as a response header and
// src/renderer/index.html carries the same policy in a meta tag (a test keeps them equal).
// deck.gl 9 / luma.gl 9 compile shaders through WebGL and never call eval or new Function,
// so 'unsafe-eval' is not needed; they may start workers from blob: URLs.

const directives: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'none'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['worker-src', "'self' blob:"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

function render(list: ReadonlyArray<readonly [string, string]>): string {
  return list.map(([name, value]) => `${name} ${value}`).join('; ');
}

/** The policy as the meta tag carries it (frame-ancestors is ignored, with a warning, in meta). */
export const META_CONTENT_SECURITY_POLICY = render(directives);

/** The policy as the response header carries it: the meta policy plus frame-ancestors. */
export const CONTENT_SECURITY_POLICY = render([...directives, ['frame-ancestors', "'none'"]]);

/**
 * The relaxed policy for `electron-vite dev` only: the React refresh preamble is an inline
 * script, Vite injects styles inline, and hot reload talks over a WebSocket to the dev server.
 */
export function devContentSecurityPolicy(devServerUrl: string): string {
  const origin = new URL(devServerUrl);
  const ws = `ws://${origin.host}`;
  return render(
    directives.map(([name, value]): readonly [string, string] => {
      if (name === 'script-src') return [name, `'self' 'unsafe-inline'`];
      if (name === 'style-src') return [name, `'self' 'unsafe-inline'`];
      if (name === 'connect-src') return [name, `'self' ${ws}`];
      return [name, value];
    }),
  );
}
