import { z } from "zod";

/**
 * The parts of SARIF 2.1.0 Moderator reads, validated leniently: every object keeps unknown properties,
 * almost every field is optional, and numbers are checked for sense later (tools disagree: Bandit prints
 * startColumn 0, CodeQL omits startColumn, Semgrep puts whole lines into fixes). Results are validated one by
 * one, so a single odd result costs only itself.
 */
const Message = z.looseObject({
  text: z.string().optional(),
  markdown: z.string().optional(),
  id: z.string().optional(),
  arguments: z.array(z.unknown()).optional(),
});

const MultiformatMessage = z.looseObject({ text: z.string().optional(), markdown: z.string().optional() });

const PropertyBag = z.record(z.string(), z.unknown());

export const SarifArtifactLocation = z.looseObject({
  uri: z.string().optional(),
  uriBaseId: z.string().optional(),
  index: z.number().int().optional(),
});
export type SarifArtifactLocation = z.infer<typeof SarifArtifactLocation>;

export const SarifRegion = z.looseObject({
  startLine: z.number().optional(),
  startColumn: z.number().optional(),
  endLine: z.number().optional(),
  endColumn: z.number().optional(),
  charOffset: z.number().optional(),
  charLength: z.number().optional(),
  snippet: z.looseObject({ text: z.string().optional() }).optional(),
});
export type SarifRegion = z.infer<typeof SarifRegion>;

const PhysicalLocation = z.looseObject({
  artifactLocation: SarifArtifactLocation.optional(),
  region: SarifRegion.optional(),
});

const Location = z.looseObject({ physicalLocation: PhysicalLocation.optional() });

export const SarifReplacement = z.looseObject({
  deletedRegion: SarifRegion,
  insertedContent: z.looseObject({ text: z.string().optional() }).optional(),
});
export type SarifReplacement = z.infer<typeof SarifReplacement>;

export const SarifFix = z.looseObject({
  description: Message.optional(),
  artifactChanges: z.array(z.looseObject({ artifactLocation: SarifArtifactLocation, replacements: z.array(SarifReplacement) })).optional(),
});
export type SarifFix = z.infer<typeof SarifFix>;

export const SarifResult = z.looseObject({
  ruleId: z.string().optional(),
  ruleIndex: z.number().int().optional(),
  rule: z.looseObject({ id: z.string().optional(), index: z.number().int().optional() }).optional(),
  kind: z.string().optional(),
  level: z.string().optional(),
  message: Message,
  locations: z.array(Location).optional(),
  partialFingerprints: z.record(z.string(), z.unknown()).optional(),
  fingerprints: z.record(z.string(), z.unknown()).optional(),
  fixes: z.array(SarifFix).optional(),
  suppressions: z.array(z.looseObject({ kind: z.string().optional(), status: z.string().optional() })).optional(),
  baselineState: z.string().optional(),
  rank: z.number().optional(),
  properties: PropertyBag.optional(),
});
export type SarifResult = z.infer<typeof SarifResult>;

export const SarifRule = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  shortDescription: MultiformatMessage.optional(),
  fullDescription: MultiformatMessage.optional(),
  help: MultiformatMessage.optional(),
  helpUri: z.string().optional(),
  messageStrings: z.record(z.string(), MultiformatMessage).optional(),
  defaultConfiguration: z.looseObject({ level: z.string().optional(), enabled: z.boolean().optional() }).optional(),
  properties: PropertyBag.optional(),
});
export type SarifRule = z.infer<typeof SarifRule>;

const Notification = z.looseObject({
  level: z.string().optional(),
  message: Message.optional(),
  descriptor: z.looseObject({ id: z.string().optional() }).optional(),
});

export const SarifRun = z.looseObject({
  tool: z.looseObject({
    driver: z.looseObject({
      name: z.string(),
      semanticVersion: z.string().optional(),
      version: z.string().optional(),
      rules: z.array(z.unknown()).optional(),
      globalMessageStrings: z.record(z.string(), MultiformatMessage).optional(),
    }),
  }),
  results: z.array(z.unknown()).nullable().optional(),
  artifacts: z.array(z.looseObject({ location: SarifArtifactLocation.optional() })).optional(),
  originalUriBaseIds: z.record(z.string(), z.looseObject({ uri: z.string().optional(), uriBaseId: z.string().optional() })).optional(),
  invocations: z
    .array(
      z.looseObject({
        executionSuccessful: z.boolean().optional(),
        toolExecutionNotifications: z.array(Notification).optional(),
        toolConfigurationNotifications: z.array(Notification).optional(),
      }),
    )
    .optional(),
  columnKind: z.string().optional(),
});
export type SarifRun = z.infer<typeof SarifRun>;

export const SarifLog = z.looseObject({
  version: z.string().optional(),
  runs: z.array(z.unknown()),
});
export type SarifLog = z.infer<typeof SarifLog>;
