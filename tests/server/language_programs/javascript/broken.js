const [a, b] = ;
console.log(a + b);
