// A partner department on the gonghui bus, in Node.js with ioredis.
//
//   npm ci
//   export GONGHUI_DEPT_URL='redis://dept_cib-bank:...@redis.example.org:6379/0'
//   export GONGHUI_DEPT_CODE=cib-bank
//   node partner.mjs register ../station.json   # send station.register.v1 to your outbox
//   node partner.mjs inbox                      # take work from your inbox until Ctrl-C
//   node partner.mjs feed                       # read the public events granted to you
//
// Optional: GONGHUI_STREAM_PREFIX (e.g. `fj:`) when the deployment puts one before every key;
// GONGHUI_SIGNING_SECRET (base64) when the union requires your entries to be signed (HMAC).

import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import Redis from "ioredis";

const URL = process.env.GONGHUI_DEPT_URL;
const CODE = process.env.GONGHUI_DEPT_CODE;
const PREFIX = process.env.GONGHUI_STREAM_PREFIX ?? "";
const SECRET = process.env.GONGHUI_SIGNING_SECRET;

const OUTBOX = `${PREFIX}dept.${CODE}.outbox`; // you may only XADD here
const INBOX = `${PREFIX}dept.${CODE}.inbox`; // you read here as group CODE
const FEED = `${PREFIX}dept.${CODE}.feed`; // and here, once the union grants you a public stream
const CONSUMER = `${hostname()}-${process.pid}`; // any name, unique per running worker

// The fields of one stream entry: a CloudEvent whose attributes are the entry's fields.
function cloudEvent(type, data, subject) {
  const fields = {
    specversion: "1.0",
    id: randomUUID(), // unique per department; re-sending the same id is harmless
    source: `dept/${CODE}`, // must be exactly this on your outbox
    type,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    datacontenttype: "application/json",
    data: JSON.stringify(data),
  };
  if (subject) fields.subject = subject;
  return SECRET ? sign(fields) : fields;
}

// Standard Webhooks: `v1,` + base64 HMAC-SHA256 over `{id}.{sigtimestamp}.{data}`.
function sign(fields) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const mac = createHmac("sha256", Buffer.from(SECRET, "base64"))
    .update(`${fields.id}.${timestamp}.${fields.data}`, "utf8")
    .digest("base64");
  return { ...fields, sigtimestamp: timestamp, signature: `v1,${mac}` };
}

// ioredis returns an entry's fields as [name, value, name, value, ...].
const asObject = (flat) =>
  Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));

// Send station.register.v1; re-sending the same `external_ref` updates the station.
async function register(redis, stationFile) {
  const station = JSON.parse(readFileSync(stationFile, "utf8"));
  const fields = cloudEvent("station.register.v1", station, station.external_ref);
  const entryId = await redis.xadd(OUTBOX, "*", ...Object.entries(fields).flat());
  console.log(`sent ${fields.id} as ${entryId} on ${OUTBOX}`);
}

// Your own work: here, print the work item (its `data` is a JSON object).
function handle(entryId, fields) {
  const item = JSON.parse(fields.data);
  if (fields.type === "entry.rejected.v1") {
    // One of your own entries was refused: fix it and send it again with a new id.
    console.log(
      `${entryId} REFUSED ${item.event_id} (${item.event_type}, your entry ${item.entry_id}): ` +
        `${item.reason_zh} / ${item.reason_en}`,
    );
    return;
  }
  console.log(`${entryId} ${fields.type} ${fields.subject ?? ""} ${JSON.stringify(item)}`);
}

// Take over stale entries, then read new ones; acknowledge each only after handling it.
async function workOffOnce(redis, stream, { reclaimIdleMs, blockMs }) {
  // Entries another worker read but never acknowledged (it crashed): take them over.
  let start = "0-0";
  do {
    const [next, claimed] = await redis.xautoclaim(
      stream, CODE, CONSUMER, reclaimIdleMs, start, "COUNT", 10,
    );
    for (const [entryId, flat] of claimed) {
      handle(entryId, asObject(flat));
      await redis.xack(stream, CODE, entryId);
    }
    start = next;
  } while (start !== "0-0");
  const got = await redis.xreadgroup(
    "GROUP", CODE, CONSUMER, "COUNT", 10, "BLOCK", blockMs, "STREAMS", stream, ">",
  );
  for (const [, entries] of got ?? []) {
    for (const [entryId, flat] of entries) {
      handle(entryId, asObject(flat));
      await redis.xack(stream, CODE, entryId);
    }
  }
  return got;
}

// Keep going through Redis restarts and network cuts: wait, with backoff, and try again.
async function workOff(redis, stream, options) {
  let failures = 0;
  for (;;) {
    let got;
    try {
      got = await workOffOnce(redis, stream, options);
      failures = 0;
    } catch (error) {
      failures += 1;
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(failures, 10)) * (0.5 + Math.random() / 2);
      console.error(`${stream} unreachable (${error.message}); retrying in ${Math.round(delayMs)} ms`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      continue;
    }
    if (options.once && !got) return;
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "reclaim-idle-ms": { type: "string", default: "60000" },
    "block-ms": { type: "string", default: "5000" },
    once: { type: "boolean", default: false },
  },
});
const [command, stationFile] = positionals;
if (!(command === "register" && stationFile) && command !== "inbox" && command !== "feed") {
  console.error("usage: node partner.mjs register STATION_JSON | inbox [--once] | feed [--once]");
  process.exit(2);
}

// Your user may not run INFO, which ioredis sends to check readiness.
// No command timeout: a blocking read waits as long as it asked to.
const redis = new Redis(URL, { enableReadyCheck: false });
process.on("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});
try {
  if (command === "register") {
    await register(redis, stationFile);
  } else {
    await workOff(redis, command === "inbox" ? INBOX : FEED, {
      reclaimIdleMs: Number(values["reclaim-idle-ms"]),
      blockMs: Number(values["block-ms"]),
      once: values.once,
    });
  }
} finally {
  redis.disconnect();
}
