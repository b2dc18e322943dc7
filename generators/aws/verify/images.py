"""Images: a private ECR image's repository exists in its account and region and holds the tag or digest."""

from __future__ import annotations

from ...arns import ECR_IMAGE, ecr_repository
from ...errors import Check, FieldPath, Severity
from .verifier import Failed, Missing, Verifier

# The findings this module raises (collected by the catalog: generators/rules).
VERIFY_IMAGE = Check(
    "VERIFY-IMAGE", Severity.ERROR, "A private ECR image's repository exists and holds its tag or digest."
)


def image(v: Verifier, path: FieldPath, image: str) -> None:
    m = ECR_IMAGE.match(image)
    repository = ecr_repository(image)
    if not m or repository is None:
        return  # a public or third-party registry: not checked
    account, region, _, repo = repository
    rest = image[m.end() :]
    digest = rest.split("@", 1)[1] if "@" in rest else None
    tag = rest[1:].split("@", 1)[0] if rest.startswith(":") else None
    wanted = {"imageDigest": digest} if digest else {"imageTag": tag or "latest"}
    where = f"{repo} (account {account}, {region})"
    try:
        found = v.call(
            path, "ecr", "describe_images", region, registryId=account, repositoryName=repo, imageIds=[wanted]
        )
    except Missing as exc:
        if str(exc) == "ImageNotFoundException":
            what = f"digest {digest}" if digest else f"tag {wanted['imageTag']}"
            v.error(
                VERIFY_IMAGE,
                f"ECR repository {where} holds no image with {what}",
                path,
                _tags_hint(v, path, account, region, repo),
            )
        else:
            v.error(
                VERIFY_IMAGE,
                f"ECR repository {where} does not exist",
                path,
                f"push the image first (aws ecr create-repository --repository-name {repo} --region "
                f"{region}; docker push {image}), or fix the image name",
            )
        return
    details = found.get("imageDetails") or [{}]
    v.ok(path, f"image {image} ({details[0].get('imageDigest', 'found')})")


def _tags_hint(v: Verifier, path: FieldPath, account: str, region: str, repo: str) -> str:
    try:
        details = v.call(
            path,
            "ecr",
            "describe_images",
            region,
            registryId=account,
            repositoryName=repo,
            filter={"tagStatus": "TAGGED"},
        ).get("imageDetails", [])
    except (Missing, Failed):
        return "push the image, or fix the tag"
    newest = sorted(details, key=lambda d: str(d.get("imagePushedAt", "")), reverse=True)
    tags = [t for d in newest for t in d.get("imageTags", [])][:5]
    return "push the image, or fix the tag" + (
        f" (tags it holds: {', '.join(tags)})" if tags else " (it holds no tagged image)"
    )
