"""Unit tests of template resolution and comparison (no AWS, no moto); run by make rehearse-test."""

import unittest

from .resolve import Pattern, Resolver, Unresolved, same

RESOLVER = Resolver({"Key": "1234abcd", "Bucket": "my-bucket", "Role": "my-role"}, "123456789012", "us-east-1", "s")


class ResolveTest(unittest.TestCase):
    def test_ref_and_getatt_arn_match_the_physical_id_or_an_arn_built_from_it(self):
        ref = RESOLVER.resolve({"Ref": "Key"})
        self.assertTrue(same(ref, "1234abcd"))
        self.assertTrue(
            same(RESOLVER.resolve({"Fn::GetAtt": ["Key", "Arn"]}), "arn:aws:kms:us-east-1:123456789012:key/1234abcd")
        )
        self.assertFalse(same(ref, "arn:aws:kms:us-east-1:123456789012:key/1234abcd-other"))
        self.assertFalse(same(ref, "5678"))

    def test_pseudo_parameters_and_join(self):
        joined = RESOLVER.resolve(
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}, "/*"]]}
        )
        self.assertIsInstance(joined, Pattern)
        self.assertTrue(same(joined, "arn:aws:s3:::my-bucket/*"))
        self.assertFalse(same(joined, "arn:aws:s3:::other-bucket/*"))
        self.assertEqual(RESOLVER.resolve({"Fn::Join": ["-", [{"Ref": "AWS::Region"}, "x"]]}), "us-east-1-x")

    def test_sub(self):
        self.assertTrue(
            same(
                RESOLVER.resolve({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}"}),
                "arn:aws:iam::123456789012:role/my-role",
            )
        )

    def test_what_cannot_be_resolved_is_never_a_pass(self):
        for value in (
            {"Ref": "Skipped"},
            {"Fn::GetAtt": ["Key", "KeyId"]},
            {"Fn::Select": [0, ["a"]]},
            {"Fn::Join": ["", ["a", {"Ref": "Skipped"}]]},
        ):
            with self.subTest(value=value):
                resolved = RESOLVER.resolve(value)
                self.assertIsInstance(resolved, Unresolved)
                self.assertIsNone(same(resolved, "anything"))
        # One unresolvable part of a document makes the whole comparison unresolvable, not true.
        self.assertIsNone(same(RESOLVER.resolve({"A": "x", "B": {"Ref": "Skipped"}}), {"A": "x", "B": "y"}))
        # ... unless another part already differs.
        self.assertFalse(same(RESOLVER.resolve({"A": "x", "B": {"Ref": "Skipped"}}), {"A": "z", "B": "y"}))

    def test_weak_cross_stack_reference(self):
        resolver = Resolver({}, "123456789012", "us-east-1", "s", outputs={("dev-Network", "VpcOut"): "vpc-123"})
        ref = {"Fn::GetStackOutput": {"StackName": "dev-Network", "Region": "us-east-1", "OutputName": "VpcOut"}}
        self.assertEqual(resolver.resolve(ref), "vpc-123")
        ref["Fn::GetStackOutput"]["OutputName"] = "Other"
        self.assertIsInstance(resolver.resolve(ref), Unresolved)

    def test_no_value_is_dropped(self):
        self.assertEqual(RESOLVER.resolve({"A": 1, "B": {"Ref": "AWS::NoValue"}}), {"A": 1})


class SameTest(unittest.TestCase):
    def test_scalars_compare_across_api_types(self):
        self.assertTrue(same(True, "true"))
        self.assertTrue(same("7", 7))
        self.assertFalse(same(True, False))
        self.assertFalse(same(30, 31))

    def test_documents(self):
        doc = {
            "Statement": [
                {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "dms.amazonaws.com"}}
            ]
        }
        self.assertTrue(same(doc, {"Version": "2012-10-17", **doc}))
        self.assertTrue(
            same({"Action": ["s3:GetObject"]}, {"Action": "s3:GetObject"}), "IAM collapses one-element lists"
        )
        self.assertFalse(
            same(doc, {"Statement": [{**doc["Statement"][0], "Principal": {"Service": "ec2.amazonaws.com"}}]})
        )
        self.assertFalse(same(["a", "b"], ["a"]))


if __name__ == "__main__":
    unittest.main()
