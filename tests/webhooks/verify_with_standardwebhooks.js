#!/usr/bin/env node
// Verifies a delivery we signed with the Standard Webhooks reference library for JavaScript
// (npm "standardwebhooks"), as a gateway would: installs it into a temporary directory, starts
// an HTTP server on 127.0.0.1, has webhook_post_sample (argv[2]) deliver one event to it, and
// verifies the raw body and headers with Webhook#verify. A tampered body must fail to verify.
//
// Exits 0 when verified, 1 when not, and 77 (ctest's skip code) when npm or the registry is
// unavailable: the check needs the network, the rest of the suite does not.
"use strict";
const { execFileSync, spawn } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");

// Pinned so the check is reproducible; raise it deliberately.
const VERSION = process.env.STANDARDWEBHOOKS_VERSION || "1.3.0";
const SKIP = 77;

function skip(why) {
  console.log(`SKIP: ${why}; the standardwebhooks cross-check did not run`);
  process.exit(SKIP);
}

const sample = process.argv[2];
if (!sample) {
  console.error("usage: verify_with_standardwebhooks.js PATH/TO/webhook_post_sample");
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wa-standardwebhooks-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

try {
  execFileSync("npm", ["install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund",
                       "--silent", `standardwebhooks@${VERSION}`],
               { stdio: ["ignore", "ignore", "pipe"], timeout: 120000 });
} catch (e) {
  skip(`npm could not install standardwebhooks@${VERSION} (${String(e.message).split("\n")[0]})`);
}
const { Webhook } = require(path.join(dir, "node_modules", "standardwebhooks"));

const secret = "whsec_" + crypto.randomBytes(32).toString("base64");
let received = null;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    received = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    res.writeHead(204);
    res.end();
  });
});

function fail(why) {
  console.error(`FAIL: ${why}`);
  process.exit(1);
}

server.listen(0, "127.0.0.1", () => {
  const url = `http://127.0.0.1:${server.address().port}/hooks/wa`;
  const child = spawn(sample, [url, secret], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.on("exit", (code) => {
    server.close();
    if (code !== 0) fail(`webhook_post_sample exited ${code}`);
    if (!received) fail("no delivery arrived");
    const id = out.trim();
    let payload;
    try {
      payload = new Webhook(secret).verify(received.body, received.headers);
    } catch (e) {
      fail(`standardwebhooks refused our delivery: ${e.message}`);
    }
    if (payload.id !== id || received.headers["webhook-id"] !== id) {
      const header = received.headers["webhook-id"];
      fail(`ids differ: printed ${id}, header ${header}, body ${payload.id}`);
    }
    if (payload.type !== "message.received" || payload.tenantId !== "acme") {
      fail(`unexpected body ${received.body}`);
    }
    if (received.headers["content-type"] !== "application/json") {
      fail(`content-type ${received.headers["content-type"]}`);
    }
    let tamperedVerified = true;
    try {
      new Webhook(secret).verify(received.body.replace("acme", "acmf"), received.headers);
    } catch (e) {
      tamperedVerified = false;
    }
    if (tamperedVerified) fail("a tampered body verified: the check proves nothing");
    console.log(`OK: standardwebhooks@${VERSION} verified event ${id}`);
    process.exit(0);
  });
});
