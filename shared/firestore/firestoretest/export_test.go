package firestoretest

// ProjectIDFor exposes the id of an arbitrary package path to the tests.
var ProjectIDFor = projectID
