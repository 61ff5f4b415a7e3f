import type { NetworkAccess } from "./process-runner.ts";

/** The package registries of the ecosystems Moderator recognizes (npm/yarn, PyPI, crates.io, Go, RubyGems, Maven/Gradle, NuGet, Packagist). */
export const PACKAGE_REGISTRY_HOSTS: readonly string[] = [
  "registry.npmjs.org",
  "registry.yarnpkg.com",
  "pypi.org",
  "files.pythonhosted.org",
  "crates.io",
  "index.crates.io",
  "static.crates.io",
  "proxy.golang.org",
  "sum.golang.org",
  "rubygems.org",
  "index.rubygems.org",
  "repo.maven.apache.org",
  "repo1.maven.org",
  "plugins.gradle.org",
  "services.gradle.org",
  "api.nuget.org",
  "repo.packagist.org",
];

/**
 * The network of the repositories' QA commands (operator config `qaNetwork`): `setup` (installing
 * dependencies) and `checks` (tests, linters, scanners) each get the allow-list (`qaNetwork.allow`, default
 * the package registries) when turned on, and no network otherwise.
 */
export function resolveQaNetwork(cfg: { setup: boolean; checks: boolean; allow?: readonly string[] | undefined }): { setup: NetworkAccess; checks: NetworkAccess } {
  const allow = [...(cfg.allow ?? PACKAGE_REGISTRY_HOSTS)];
  return { setup: cfg.setup ? { allow } : false, checks: cfg.checks ? { allow } : false };
}
