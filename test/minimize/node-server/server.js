const http = require("http");
const { URL } = require("url");

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  if (url.pathname === "/") {
    res.end(`hello from node ${process.versions.node.split(".")[0]} (${process.env.NODE_ENV})\n`);
  } else if (url.pathname === "/date") {
    const locale = url.searchParams.get("locale") || "en-US";
    const zone = url.searchParams.get("tz") || "UTC";
    res.end(new Date(0).toLocaleString(locale, { timeZone: zone, dateStyle: "full", timeStyle: "long" }) + "\n");
  } else if (url.pathname === "/sum") {
    const nums = url.searchParams.getAll("n").map(Number);
    res.end(JSON.stringify({ sum: nums.reduce((a, b) => a + b, 0) }) + "\n");
  } else {
    res.statusCode = 404;
    res.end("not found\n");
  }
});

server.listen(3000);
process.on("SIGTERM", () => server.close(() => process.exit(0)));
