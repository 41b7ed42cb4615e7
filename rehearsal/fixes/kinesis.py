"""AWS::Kinesis::Stream as CloudFormation creates it: encryption and capacity mode."""

from moto.kinesis.models import Stream, kinesis_backends

from . import patching


def _stream(create, props, account_id, region_name):
    # moto 5.2 ignores a stream's StreamEncryption and StreamModeDetails.
    stream = create()
    if props.get("StreamModeDetails"):
        stream.stream_mode = dict(props["StreamModeDetails"])
    sse = props.get("StreamEncryption")
    if sse:
        kinesis_backends[account_id][region_name].start_stream_encryption(
            stream_arn=None,
            stream_name=stream.stream_name,
            encryption_type=sse["EncryptionType"],
            key_id=sse.get("KeyId"),
        )
    return stream


_create_stream = patching.around_create(Stream, _stream)


def apply():
    """AWS::Kinesis::Stream applies its StreamEncryption and StreamModeDetails."""
    patching.replace(Stream, "create_from_cloudformation_json", _create_stream)
