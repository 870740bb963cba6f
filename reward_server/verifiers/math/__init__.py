"""Math answer verification; the public interface is in `reward_server.verifiers.math.verify`."""
