// Public API of lib/training: each module of the area is exported here.
export {};
