/** The parts of Node's `process` used here; absent in browsers. */
type Listener = (...args: unknown[]) => void;
interface ProcessLike {
  listeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): unknown;
}

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * The handlers tfjs-backend-wasm 4.22's Emscripten module adds: `if (!(ex instanceof ExitStatus))
 * throw ex` and `throw reason`. Told apart by their source, so an application's own handlers
 * added meanwhile stay.
 */
const EMSCRIPTEN_HANDLER = /ExitStatus|^function\s*\(\s*reason\s*\)\s*\{\s*throw reason\s*\}$/;

/**
 * Runs `start`, which initialises tfjs-backend-wasm, and in Node removes the
 * `uncaughtException` and `unhandledRejection` handlers its Emscripten module adds meanwhile.
 * They rethrow from inside a handler, so any later uncaught error of the application made Node
 * exit with code 7 and print a whole minified line of Emscripten glue instead of the error; without
 * them Node reports it itself (exit code 1, the error's own message and stack). tfjs-backend-wasm
 * removes them too, but only when its backend is disposed. Elsewhere `start` simply runs.
 */
export async function withoutEmscriptenProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  const proc = (globalThis as unknown as { process?: Partial<ProcessLike> }).process;
  if (typeof proc?.listeners !== 'function' || typeof proc.removeListener !== 'function') return start();
  const node = proc as ProcessLike;
  const before = new Map(EVENTS.map((event) => [event, new Set(node.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of EVENTS) {
      for (const listener of node.listeners(event)) {
        if (!before.get(event)?.has(listener) && EMSCRIPTEN_HANDLER.test(String(listener).trim())) {
          node.removeListener(event, listener);
        }
      }
    }
  }
}
