; Inno Setup 6 script: a per-user installer for Impilo Desktop (no administrator rights).
;
;   python packaging\build.py                       (builds the bundle, self-tests, then this)
;   iscc /DAppVersion=0.1.0 packaging\windows\impilo-desktop.iss      (this step alone)
;
; Input:  dist\impilo-desktop\ (PyInstaller onedir from packaging\impilo-desktop.spec)
; Output: dist\impilo-desktop-<version>-setup.exe
;
; Signing (optional): register a sign tool named "impilo" with Inno Setup, e.g.
;   iscc "/Simpilo=signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f"
;        /DSign /DAppVersion=0.1.0 packaging\windows\impilo-desktop.iss
; and sign dist\impilo-desktop\impilo-desktop.exe the same way before running this script.
; No certificate or password lives in the repository.
;
; The coordinator's data (drafts, outbox, settings, logs) lives in %LOCALAPPDATA%\impilo-desktop
; and is deliberately kept on uninstall: unsent orders must survive a reinstall.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (packaging\build.py reads impilo_desktop.__version__)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\impilo-desktop"
#endif
#define AppName "Impilo Desktop"
#define AppExe "impilo-desktop.exe"

[Setup]
; Never change AppId: upgrades and uninstall find the installed copy by it.
AppId={{6F1C2B7E-3D54-4C8A-9E21-5B7A0D4F93C6}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Impilo
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
; Per-user: installs to %LOCALAPPDATA%\Programs\Impilo Desktop, no UAC prompt.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=impilo-desktop-{#AppVersion}-setup
SetupIconFile=..\..\resources\app\impilo-desktop.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
; Close a running copy before files are replaced (upgrade), and restart it afterwards.
CloseApplications=yes
RestartApplications=yes
#ifdef Sign
SignTool=impilo
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; A new version's bundle replaces the old one whole: no stale libraries from an older build.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Enter and track Impilo orders"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
