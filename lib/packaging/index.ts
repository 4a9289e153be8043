// Public API of lib/packaging: each module of the area is exported here.
export {};
