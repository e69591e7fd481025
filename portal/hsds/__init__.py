"""Open Referral HSDS 3.0: serialise the directory, import datasets (3.0, 2.0, 1.1), export them."""
