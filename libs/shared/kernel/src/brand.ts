// Nominal types over primitives: an Address and an OrderHash are both strings, but passing
// one where the other belongs must not compile. The brand exists only in the type system.
declare const brand: unique symbol;

export type Brand<T, B extends string> = T & { readonly [brand]: B };
