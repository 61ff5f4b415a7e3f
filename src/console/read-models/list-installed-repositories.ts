import type { PrismaClient } from "../../generated/prisma/client.ts";

/** Repositories the App is installed on (those with an installation), for the viewer's visibility check. */
export async function listInstalledRepositories(prisma: PrismaClient) {
  return prisma.repository.findMany({
    where: { installationId: { not: null } },
    select: { id: true, owner: true, name: true, githubId: true, installationId: true },
    orderBy: [{ owner: "asc" }, { name: "asc" }],
  });
}
