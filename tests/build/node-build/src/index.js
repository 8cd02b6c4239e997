const isNumber = require("is-number");
console.log("node build ok:", isNumber(42), isNumber("forty-two"));
