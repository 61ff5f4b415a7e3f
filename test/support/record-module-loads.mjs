// Preloaded (`node --import`) into a process under test: every module URL that the process's ES module loader
// resolves is appended, one per line, to the file named by RECORD_MODULE_LOADS (see module-loads-hooks.mjs).
import { register } from "node:module";

register(new URL("./module-loads-hooks.mjs", import.meta.url), { data: { file: process.env["RECORD_MODULE_LOADS"] } });
