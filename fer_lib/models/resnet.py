"""ResNet backbones returning pooled features, configurable in depth, width and stem for small faces.

A subclass of torchvision's ``ResNet`` that only changes the constructor: the stage widths start at
``width`` instead of the hard-coded 64, the stem can be made lighter for 32-64 px faces, and ``fc`` is
the identity so the forward pass returns pooled features. With ``depth=50, width=64, stem_stride=4``
it *is* torchvision's ``resnet50`` (same module names; torchvision's weights load strictly; tested),
the SSL-FER paper's backbone at 112 px.
"""

from __future__ import annotations

from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

DEPTHS = {
    10: (BasicBlock, (1, 1, 1, 1)),
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
}


class ResNetBackbone(ResNet):
    """Images [B, C, H, W] (normalised float) -> pooled features [B, D], D = ``feature_dim``.

    depth: 10, 18, 34, 50 or 101. width: channels of the first stage (64 = standard; stages double).
    stem_stride: 4 = ImageNet stem (7x7/2 conv + 3x3/2 max-pool: 112 px -> 28 px at stage 1),
    2 = one 3x3/2 conv, no pool (64 px -> 32 px), 1 = one 3x3/1 conv (CIFAR-style).
    Random initialisation as torchvision's (the paper trains from scratch; nothing is downloadable here).
    Works with ``channels_last`` inputs and modules.
    """

    def __init__(self, depth: int = 50, width: int = 64, stem_stride: int = 4, in_chans: int = 3):
        nn.Module.__init__(self)
        if depth not in DEPTHS:
            raise ValueError(f"unknown ResNet depth {depth}; choose one of {sorted(DEPTHS)}")
        if stem_stride not in (1, 2, 4):
            raise ValueError(f"stem_stride must be 1, 2 or 4, got {stem_stride}")
        block, layers = DEPTHS[depth]
        # The attributes torchvision's ResNet._make_layer reads.
        self._norm_layer, self.inplanes, self.dilation, self.groups, self.base_width = nn.BatchNorm2d, width, 1, 1, 64
        if stem_stride == 4:
            self.conv1 = nn.Conv2d(in_chans, width, kernel_size=7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        else:
            self.conv1 = nn.Conv2d(in_chans, width, kernel_size=3, stride=stem_stride, padding=1, bias=False)
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Identity()
        self.feature_dim: int = width * 8 * block.expansion
        for m in self.modules():   # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
