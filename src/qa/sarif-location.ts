import path from "node:path";
import type { SarifArtifactLocation, SarifRun } from "./sarif-schema.ts";

export type ResolvedSarifPath = { ok: true; path: string } | { ok: false; reason: string };

const MAX_BASE_DEPTH = 5;

/**
 * A SARIF artifact location -> a repo-relative POSIX path. Handles `uri` or `index` (into run.artifacts),
 * `uriBaseId` (resolved through run.originalUriBaseIds; an id it does not define, such as %SRCROOT%, means the repo root),
 * `file://` URIs and absolute paths (the repo root prefix is removed), %-encoding and `./`. A location outside the
 * repository, with another scheme, or escaping with `..` is refused with the reason. Pure.
 */
export function resolveSarifPath(location: SarifArtifactLocation | undefined, run: SarifRun, repoRoots: readonly string[]): ResolvedSarifPath {
  if (!location) return { ok: false, reason: "the result has no artifact location" };
  let uri = location.uri;
  let baseId = location.uriBaseId;
  if (uri === undefined && location.index !== undefined) {
    const artifact = run.artifacts?.[location.index]?.location;
    if (!artifact) return { ok: false, reason: `artifact index ${location.index} is not in run.artifacts` };
    uri = artifact.uri;
    baseId ??= artifact.uriBaseId;
  }
  if (uri === undefined || uri.trim() === "") return { ok: false, reason: "the artifact location has no uri" };
  const absolute = toAbsolute(uri, baseId, run, 0);
  if (!absolute.ok) return absolute;
  if (absolute.kind === "absolute") return stripRoot(absolute.value, repoRoots);
  return normalizeRelative(absolute.value);
}

type Step = { ok: true; kind: "absolute" | "relative"; value: string } | { ok: false; reason: string };

function toAbsolute(uri: string, baseId: string | undefined, run: SarifRun, depth: number): Step {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1];
  if (scheme && !/^[a-zA-Z]:[\\/]/.test(uri)) {
    if (scheme.toLowerCase() !== "file") return { ok: false, reason: `"${uri}" is not a file location (scheme ${scheme})` };
    return { ok: true, kind: "absolute", value: fileUriPath(uri) };
  }
  const decoded = decode(uri).replace(/\\/g, "/");
  if (decoded.startsWith("/") || /^[a-zA-Z]:\//.test(decoded)) return { ok: true, kind: "absolute", value: decoded };
  if (baseId === undefined) return { ok: true, kind: "relative", value: decoded };
  const base = run.originalUriBaseIds?.[baseId];
  // %SRCROOT% and friends without a definition (Semgrep, CodeQL): the scan root, which for Moderator is the repository.
  if (!base?.uri) return { ok: true, kind: "relative", value: decoded };
  if (depth >= MAX_BASE_DEPTH) return { ok: false, reason: `uriBaseId "${baseId}" nests more than ${MAX_BASE_DEPTH} levels deep` };
  const resolvedBase = toAbsolute(base.uri, base.uriBaseId, run, depth + 1);
  if (!resolvedBase.ok) return resolvedBase;
  const joined = `${resolvedBase.value.replace(/\/?$/, "/")}${decoded}`;
  return { ok: true, kind: resolvedBase.kind, value: joined };
}

/** file:///a/b, file://localhost/a/b, file:/a/b, file:///C:/x -> /a/b, /a/b, /a/b, C:/x (decoded). */
function fileUriPath(uri: string): string {
  let rest = uri.replace(/^file:/i, "");
  if (rest.startsWith("//")) {
    rest = rest.slice(2);
    const slash = rest.indexOf("/");
    const host = slash >= 0 ? rest.slice(0, slash) : rest;
    rest = slash >= 0 ? rest.slice(slash) : "/";
    if (host !== "" && host.toLowerCase() !== "localhost") rest = `//${host}${rest}`;
  }
  const decoded = decode(rest).replace(/\\/g, "/");
  return /^\/[a-zA-Z]:\//.test(decoded) ? decoded.slice(1) : decoded;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function stripRoot(absolute: string, repoRoots: readonly string[]): ResolvedSarifPath {
  const target = path.posix.normalize(absolute);
  for (const root of repoRoots) {
    const normalizedRoot = path.posix.normalize(root.replace(/\\/g, "/")).replace(/\/+$/, "");
    if (normalizedRoot === "") continue;
    const sameCase = target.startsWith(`${normalizedRoot}/`);
    const windowsCase = /^[a-zA-Z]:\//.test(normalizedRoot) && target.toLowerCase().startsWith(`${normalizedRoot.toLowerCase()}/`);
    if (sameCase || windowsCase) return normalizeRelative(target.slice(normalizedRoot.length + 1));
  }
  return {
    ok: false,
    reason:
      repoRoots.length === 0
        ? `"${absolute}" is an absolute path and no repository root was given to make it relative`
        : `"${absolute}" is outside the repository (${repoRoots.join(", ")})`,
  };
}

function normalizeRelative(relative: string): ResolvedSarifPath {
  const normalized = path.posix.normalize(relative.replace(/\\/g, "/")).replace(/^(\.\/)+/, "");
  if (normalized === "." || normalized === "") return { ok: false, reason: "the location is the repository root, not a file" };
  if (normalized === ".." || normalized.startsWith("../")) return { ok: false, reason: `"${relative}" points outside the repository` };
  return { ok: true, path: normalized.replace(/\/+$/, "") };
}
