// The "build": writes dist/index.js from src/ with a banner.
const fs = require("fs");
fs.mkdirSync("dist", { recursive: true });
const source = fs.readFileSync("src/index.js", "utf8");
fs.writeFileSync("dist/index.js", "// built by build.js\n" + source);
