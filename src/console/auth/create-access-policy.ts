import { canWrite, type Permission } from "../../app/get-sender-permission.ts";

export interface RepositoryRef {
  id: number;
  owner: string;
  name: string;
  installationId: bigint | null;
}

export interface AccessPolicy {
  isAdmin(login: string): boolean;
  /** The viewer's permission on a repository, asked of the API (the App's installation) and cached briefly. */
  permission(login: string, repo: RepositoryRef): Promise<Permission>;
  /** Ids of the repositories the viewer may read; undefined for an admin (all). */
  visibleRepositoryIds(login: string, repos: readonly RepositoryRef[]): Promise<number[] | undefined>;
  /** The rule of the /moderator commands: write (or an admin). */
  canControl(login: string, repo: RepositoryRef): Promise<boolean>;
}

/**
 * Who sees what on the console. `dashboard.admins` see everything. Anyone else sees a repository where GitHub says
 * they have at least read permission, and controls runs where they have write, as the /moderator commands require.
 * Answers are cached for `ttlMs` per login and repository; a failed lookup is "none" and is not cached.
 */
export function createAccessPolicy(opts: {
  admins: readonly string[];
  permissionOf: (repo: RepositoryRef, login: string) => Promise<Permission>;
  ttlMs?: number;
  now?: () => number;
}): AccessPolicy {
  const admins = new Set(opts.admins.map((a) => a.toLowerCase()));
  const ttl = opts.ttlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Permission }>();
  const isAdmin = (login: string) => admins.has(login.toLowerCase());
  const permission = async (login: string, repo: RepositoryRef): Promise<Permission> => {
    if (isAdmin(login)) return "admin";
    if (repo.installationId === null) return "none";
    const key = `${login.toLowerCase()}\n${repo.id}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttl) return hit.value;
    let value: Permission;
    try {
      value = await opts.permissionOf(repo, login);
    } catch {
      return "none";
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { at: now(), value });
    return value;
  };
  return {
    isAdmin,
    permission,
    async visibleRepositoryIds(login, repos) {
      if (isAdmin(login)) return undefined;
      const perms = await Promise.all(repos.map(async (r) => ({ id: r.id, p: await permission(login, r) })));
      return perms.filter((x) => x.p !== "none").map((x) => x.id);
    },
    async canControl(login, repo) {
      return isAdmin(login) || canWrite(await permission(login, repo));
    },
  };
}
