import { escapeHtml } from "./escape-html.ts";

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header .who{margin-left:auto;opacity:.85}
main{padding:16px 20px;max-width:1400px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{padding:6px 8px;border-bottom:1px solid #d8dee4;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600;font-size:12px;text-transform:uppercase;color:#57606a}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#ddf4ff}
.status.completed{background:#dafbe1}.status.failed{background:#ffebe9}.status.cancelled{background:#eaeef2}
.status.waiting_for_human{background:#fff8c5}
.sev{font-size:12px;margin-right:4px}.sev.critical,.sev.high{color:#cf222e}.sev.medium{color:#9a6700}
form.filters{display:flex;gap:8px;margin-bottom:12px}form.inline{display:inline}
section{background:#fff;border:1px solid #d0d7de;padding:12px 16px;margin-bottom:14px}
h2{font-size:16px;margin:0 0 8px}
#events{font:12px/1.4 ui-monospace,monospace;max-height:480px;overflow:auto;background:#0d1117;color:#e6edf3;padding:8px}
textarea{width:100%;box-sizing:border-box;font:inherit}
#events .warn{color:#d29922}#events .error{color:#ff7b72}
button{cursor:pointer;padding:4px 12px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa}
button.danger{color:#cf222e}
.chart{max-width:100%;height:auto;display:block}.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.state.suppressed{color:#9a6700}
.muted{color:#57606a}.notice{background:#fff8c5;border:1px solid #d4a72c;padding:12px 16px}
`;

/** The page around every console view; `login` shows who is signed in. */
export function renderLayout(opts: { title: string; body: string; login?: string | undefined; csrf?: string | undefined; script?: boolean; queues?: boolean }): string {
  const who = opts.login
    ? `<span class="who">${escapeHtml(opts.login)} <form class="inline" method="post" action="/dashboard/logout"><input type="hidden" name="csrf" value="${escapeHtml(opts.csrf)}"><button>Sign out</button></form></span>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(opts.title)} · Moderator</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><header><a href="/dashboard">Moderator</a><span>${escapeHtml(opts.title)}</span>${opts.login ? '<a href="/dashboard">Runs</a><a href="/dashboard/learning" id="learning">Learning</a>' : ""}${opts.queues ? '<a href="/dashboard/queues" id="queues">Queues</a>' : ""}${who}</header><main>${opts.body}</main>
${opts.script ? '<script src="/dashboard/assets/live.js" defer></script>' : ""}</body></html>`;
}
