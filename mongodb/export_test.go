package mongodb

// MaxPushedNesting is maxPushedNesting, for the tests.
const MaxPushedNesting = maxPushedNesting

// MaxPushedLookups is maxPushedLookups, for the tests.
const MaxPushedLookups = maxPushedLookups
