"""AWS::S3::Bucket as CloudFormation creates it: every bucket setting the platform's templates use."""

from moto.s3.models import FakeBucket, s3_backends

from . import patching


def lifecycle_rules(cfn_rules):
    """Turns CloudFormation LifecycleConfiguration.Rules into the shape moto's S3 API parses
    from a PutBucketLifecycleConfiguration request (which validates them)."""
    rules = []
    for r in cfn_rules:
        rule = {"ID": r.get("Id"), "Status": r.get("Status", "Enabled"), "Filter": {"Prefix": r.get("Prefix", "")}}
        if "ExpirationInDays" in r:
            rule["Expiration"] = {"Days": str(r["ExpirationInDays"])}
        if r.get("Transitions"):
            rule["Transition"] = [
                {"Days": str(t["TransitionInDays"]), "StorageClass": t["StorageClass"]} for t in r["Transitions"]
            ]
        if "NoncurrentVersionExpiration" in r:
            rule["NoncurrentVersionExpiration"] = {
                "NoncurrentDays": str(r["NoncurrentVersionExpiration"]["NoncurrentDays"])
            }
        if "AbortIncompleteMultipartUpload" in r:
            rule["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": str(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            }
        rules.append(rule)
    return rules


def _bucket(create, props, *_):
    # moto 5.2 applies only BucketEncryption (without BucketKeyEnabled) and Tags of an
    # AWS::S3::Bucket; versioning, public access block, lifecycle and ownership are dropped.
    bucket = create()
    backend = s3_backends[bucket.account_id][bucket.partition]
    name = bucket.name
    sse = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
    if sse and bucket.encryption and "BucketKeyEnabled" in sse[0]:
        bucket.encryption["Rule"]["BucketKeyEnabled"] = bool(sse[0]["BucketKeyEnabled"])
    if "VersioningConfiguration" in props:
        backend.put_bucket_versioning(name, props["VersioningConfiguration"]["Status"])
    if "PublicAccessBlockConfiguration" in props:
        backend.put_public_access_block(name, props["PublicAccessBlockConfiguration"])
    if "LifecycleConfiguration" in props:
        backend.put_bucket_lifecycle_configuration(name, lifecycle_rules(props["LifecycleConfiguration"]["Rules"]))
    rules = (props.get("OwnershipControls") or {}).get("Rules") or []
    if rules:
        backend.put_bucket_ownership_controls(name, rules[0]["ObjectOwnership"])
    return bucket


_create_bucket = patching.around_create(FakeBucket, _bucket)


def apply():
    """AWS::S3::Bucket applies its bucket key, versioning, public access block, lifecycle and ownership."""
    patching.replace(FakeBucket, "create_from_cloudformation_json", _create_bucket)
