// The server of Socket.IO's "Get started: chat" tutorial, kept as the benchmark's peer so that
// `make bench` can measure Banter against what most people build first (docs/benchmarks.md).
//
// What it does is exactly the tutorial's: every "chat message" a socket sends is emitted to all
// connected sockets, the sender included. No accounts, no storage, no acknowledgement, no order
// or loss guarantee beyond one TCP connection's. The tutorial also serves its page through
// Express; the page plays no part in the measurement, so plain node:http serves a stub here
// and the only dependency is socket.io itself (default options: WebSocket and polling, no
// compression).
//
// Usage: node server.js [PORT]   (default 3000, 0 for any free port; binds 127.0.0.1 only)
"use strict";

const { createServer } = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || process.env.PORT || 3000);

const http = createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("socket.io chat peer\n");
});
const io = new Server(http);

io.on("connection", (socket) => {
  socket.on("chat message", (msg) => {
    io.emit("chat message", msg);
  });
});

// The first line on stdout names the address (port 0 picks a free one; the tests read it).
http.listen(port, "127.0.0.1", () => {
  const { address, port: bound } = http.address();
  console.log(`listening on ${address}:${bound}`);
});
