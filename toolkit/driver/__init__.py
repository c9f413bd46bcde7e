"""Driver bundles: recipe -> source -> rpmbuild -> RPM inspection -> bundle, with a step store for rebuilds."""
