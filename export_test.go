package hub

// SelectProvisionPage exports selectProvisionPage to the tests.
var SelectProvisionPage = selectProvisionPage
