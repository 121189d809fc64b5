export declare function serveStatic(
  root: string,
  mounts?: Record<string, string>,
): Promise<{ url: string; close: () => Promise<void> }>;
