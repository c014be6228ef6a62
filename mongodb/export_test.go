package mongodb

// MaxPushedNesting is maxPushedNesting, for the tests.
const MaxPushedNesting = maxPushedNesting
