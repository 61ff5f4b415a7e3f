import type { z } from "zod";

/** One line per zod issue: "<path>: <message>", path "(root)" for the document itself. */
export function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
    return `${where}: ${issue.message}`;
  });
}
