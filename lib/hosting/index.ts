// Public API of lib/hosting: each module of the area is exported here.
export {};
