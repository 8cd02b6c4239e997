const isNumber = require("is-number");
console.log("padder ready:", isNumber("7"));
