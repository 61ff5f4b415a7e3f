/** What of the host's root file system the bubblewrap profile exposes (found by detect-host-layout.ts). */
export interface HostLayout {
  /** Top-level entries such as /bin, /lib, /lib64: a symlink (merged /usr) is recreated as a symlink,
   *  a real directory is bound read-only. Missing ones are absent. */
  topLevel: Array<{ path: string; kind: "dir" } | { path: string; kind: "symlink"; target: string }>;
  /** Entries under /etc that exist and are exposed read-only. */
  etc: string[];
  /** Further read-only directories: /opt, the Node.js install prefix when outside /usr. */
  extraReadOnly: string[];
}
