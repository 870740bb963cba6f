const net = require("net");
const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
const s = net.connect({ host: "1.1.1.1", port: 80, timeout: 1000 });
s.on("connect", () => { console.log(a + b); s.destroy(); });
s.on("error", (e) => console.log("offline:", e.code));
s.on("timeout", () => { console.log("offline: timeout"); s.destroy(); });
